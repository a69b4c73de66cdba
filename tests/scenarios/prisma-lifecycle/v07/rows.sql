INSERT INTO accounts (email, name) VALUES ('v07-long@example.com', repeat('Ñ', 200));
INSERT INTO projects (account_id, title, slug) VALUES (10, 'Wide names', 'wide');
INSERT INTO work_items (project_id, title, state) VALUES (7, 'Review me', 'REVIEW');
INSERT INTO audit.events (kind) VALUES ('v07');
INSERT INTO legacy_imports (source) VALUES ('xls');
