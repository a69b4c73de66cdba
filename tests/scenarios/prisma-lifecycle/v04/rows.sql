INSERT INTO accounts (email, name) VALUES ('v04-barbara@example.com', 'Barbara Liskov');
INSERT INTO projects (account_id, title, slug) VALUES (7, 'CLU', 'clu');
INSERT INTO tasks (project_id, title, state, notes) VALUES (3, 'Substitute', 'DONE', 'L');
INSERT INTO events (kind) VALUES ('v04');
INSERT INTO legacy_imports (source) VALUES ('tsv');
