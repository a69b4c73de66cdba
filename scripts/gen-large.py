#!/usr/bin/env python3
"""Writes a synthetic system of N Prisma-style models (and the equivalent schema.prisma) for benchmarks.

Each model has twenty columns of mixed types (an enum column and a foreign key to the previous model
among them), a unique column and a composite index: the shape of a real application's tables, scaled up.
Usage: gen-large.py N OUT_DIR  -> OUT_DIR/schemas/large/part_*.yaml, OUT_DIR/schema.prisma and
the same tables as a Drizzle schema, OUT_DIR/drizzle/schema.ts
"""
import os
import sys

MODELS_PER_FILE = 100


def model_body(i):
    lines = [
        "id        String   @id @default(uuid()) @db.Uuid",
        "name      String   @db.VarChar(200)",
        "slug      String   @unique",
        "status    Status   @default(ACTIVE)",
        "count     Int      @default(0)",
        "ratio     Float?",
        "price     Decimal  @db.Decimal(12, 2)",
        "active    Boolean  @default(true)",
        "payload   Json?",
        "createdAt DateTime @default(now()) @map(\"created_at\")",
        "updatedAt DateTime @updatedAt @map(\"updated_at\")",
        "title     String   @db.VarChar(120)",
        "summary   String?",
        "email     String?",
        "views     BigInt   @default(0)",
        "score     Float    @default(0)",
        "publishedAt DateTime? @map(\"published_at\")",
        "rank      Int?",
        "externalId String? @map(\"external_id\") @db.Uuid",
    ]
    if i > 0:
        lines.append(f"parentId  String?  @map(\"parent_id\") @db.Uuid")
        lines.append(f"parent    Model{i - 1}? @relation(fields: [parentId], references: [id], onDelete: Cascade)")
    if i + 1 < N:
        lines.append(f"children  Model{i + 1}[]")
    lines.append("")
    lines.append("@@index([status, createdAt(sort: Desc)])")
    return lines


DRIZZLE_IMPORTS = (
    'import { pgTable, pgEnum, uuid, varchar, text, integer, doublePrecision, numeric, boolean, jsonb, '
    'timestamp, bigint, index, uniqueIndex } from "drizzle-orm/pg-core";\n'
    'export const status = pgEnum("Status", ["ACTIVE", "ARCHIVED"]);\n'
)


def drizzle_table(i):
    parent = (
        f'\n  parentId: uuid("parent_id").references(() => model{i - 1}.id, {{ onDelete: "cascade" }}),'
        if i > 0
        else ""
    )
    return f"""export const model{i} = pgTable("model_{i}", {{
  id: uuid("id").primaryKey(),
  name: varchar("name", {{ length: 200 }}).notNull(),
  slug: text("slug").notNull(),
  status: status("status").notNull().default("ACTIVE"),
  count: integer("count").notNull().default(0),
  ratio: doublePrecision("ratio"),
  price: numeric("price", {{ precision: 12, scale: 2 }}).notNull(),
  active: boolean("active").notNull().default(true),
  payload: jsonb("payload"),
  createdAt: timestamp("created_at", {{ precision: 3 }}).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", {{ precision: 3 }}).notNull(),
  title: varchar("title", {{ length: 120 }}).notNull(),
  summary: text("summary"),
  email: text("email"),
  views: bigint("views", {{ mode: "number" }}).notNull().default(0),
  score: doublePrecision("score").notNull().default(0),
  publishedAt: timestamp("published_at", {{ precision: 3 }}),
  rank: integer("rank"),
  externalId: uuid("external_id"),{parent}
}}, (t) => [uniqueIndex("model_{i}_slug_key").on(t.slug), index("model_{i}_status_created_at_idx").on(t.status, t.createdAt.desc())]);
"""


def main():
    global N
    N, out = int(sys.argv[1]), sys.argv[2]
    system = os.path.join(out, "schemas", "large")
    os.makedirs(system, exist_ok=True)
    prisma = ['datasource db {\n  provider = "postgresql"\n}\n', "enum Status {\n  ACTIVE\n  ARCHIVED\n}\n"]
    for start in range(0, N, MODELS_PER_FILE):
        parts = ["flavor: prisma\n"]
        if start == 0:
            parts.append("enums:\n  Status: [ACTIVE, ARCHIVED]\n")
        parts.append("models:\n")
        for i in range(start, min(N, start + MODELS_PER_FILE)):
            body = model_body(i)
            parts.append(f"  Model{i}:\n    map: model_{i}\n    fields: |\n")
            parts.extend(f"      {line}\n" if line else "\n" for line in body)
            prisma.append(f"model Model{i} {{\n" + "".join(f"  {l}\n" for l in body) + f'  @@map("model_{i}")\n}}\n')
        with open(os.path.join(system, f"part_{start // MODELS_PER_FILE:04}.yaml"), "w") as f:
            f.write("".join(parts))
    with open(os.path.join(out, "schema.prisma"), "w") as f:
        f.write("\n".join(prisma))
    os.makedirs(os.path.join(out, "drizzle"), exist_ok=True)
    with open(os.path.join(out, "drizzle", "schema.ts"), "w") as f:
        f.write(DRIZZLE_IMPORTS + "".join(drizzle_table(i) for i in range(N)))


if __name__ == "__main__":
    main()
