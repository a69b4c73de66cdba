INSERT INTO accounts (email, name, locale) VALUES ('v03-linus@example.com', 'Linus', 'fi');
INSERT INTO projects (account_id, title, budget, slug) VALUES
  (6, 'Kernel', NULL, 'kernel'),
  (6, 'Git', '0', NULL);
INSERT INTO tasks (project_id, title, priority) VALUES (2, 'Paint', 'LOW');
INSERT INTO events (kind, detail) VALUES ('v03', '[]');
INSERT INTO legacy_imports (source, raw) VALUES ('yaml', 'a: 1');
