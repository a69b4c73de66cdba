INSERT INTO accounts (email, name) VALUES ('v05-ken@example.com', 'Ken');
INSERT INTO projects (account_id, title, slug, budget) VALUES (8, 'Unix', 'unix', '77');
INSERT INTO work_items (project_id, title, state, priority, description, estimate) VALUES
  (5, 'Write ed', 'IN_PROGRESS', 'NORMAL', 'the standard editor', 2),
  (5, 'Pipes', 'WONTFIX', 'LOW', NULL, 3);
INSERT INTO events (kind) VALUES ('v05');
INSERT INTO legacy_imports (source) VALUES ('ldif');
