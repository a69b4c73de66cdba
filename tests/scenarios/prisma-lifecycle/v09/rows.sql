INSERT INTO accounts (email, name) VALUES ('v09-frances@example.com', 'Frances Allen');
INSERT INTO projects (account_id, title, slug, budget) VALUES (12, 'PTRAN', 'ptran', 2147483647);
INSERT INTO work_items (project_id, title) VALUES (9, 'Budgets are numbers');
INSERT INTO audit.events (kind) VALUES ('v09');
INSERT INTO legacy_imports (source) VALUES ('mdb');
