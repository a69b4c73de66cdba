// A Supabase app's queries against the `Database` type schemagen generates (tests/supabase_js.rs):
// tsc --strict must accept every line, and every `@ts-expect-error` must meet the error it names
// (the test also checks each of those lines alone fails without its directive).
import { createClient } from "@supabase/supabase-js";
import type { Database } from "./types";

const supabase = createClient<Database>("http://localhost:54321", "anon-key");

export async function published(): Promise<string[]> {
  const { data, error } = await supabase
    .from("posts")
    .select("id, title, status, author_id")
    .eq("status", "PUBLISHED")
    .order("created_at", { ascending: false });
  if (error) throw error;
  const status: "DRAFT" | "PUBLISHED" = data[0].status;
  void status;
  return data.map((post) => post.title);
}

export async function withAuthor(): Promise<string | undefined> {
  const { data } = await supabase.from("posts").select("title, users(email)").single();
  return data?.users?.email;
}

export async function write(): Promise<Database["public"]["Enums"]["Status"]> {
  await supabase.from("posts").insert({ title: "Hello", author_id: "7e000000-0000-4000-8000-000000000001" });
  await supabase.from("posts").update({ status: "DRAFT" }).eq("id", "x");
  return "DRAFT";
}

export async function mistakes() {
  // @ts-expect-error: no column `titel` to insert
  await supabase.from("posts").insert({ titel: "Hello", author_id: "x" });
  // @ts-expect-error: not a value of the enum
  await supabase.from("posts").update({ status: "ARCHIVED" }).eq("id", "x");
  // @ts-expect-error: not a value of the enum, in a filter
  await supabase.from("posts").select("id").eq("status", "ARCHIVED");
  const { data } = await supabase.from("posts").select("*").single();
  // @ts-expect-error: no column `titel` on a row
  void data?.titel;
  // @ts-expect-error: no table `postz`
  await supabase.from("postz").select("*");
}
