INSERT INTO accounts (email, name) VALUES ('v10-donald@example.com', 'Donald Knuth');
INSERT INTO projects (account_id, title, slug, budget) VALUES (13, 'TeX', 'tex', 314);
INSERT INTO work_items (project_id, title, estimate) VALUES (10, 'Typeset', 42);
INSERT INTO audit.events (kind) VALUES ('v10');
INSERT INTO legacy_imports (source) VALUES ('dvi');
