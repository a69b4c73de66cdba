INSERT INTO accounts (email, name, phone, locale) VALUES
  ('v02-grace@example.com', 'Grace Hopper', NULL, 'en-US'),
  ('v02-nolocale@example.com', 'Ørjan', '+47 22 00 00 00', NULL);
INSERT INTO projects (account_id, title, budget) VALUES (4, 'COBOL', '1959');
INSERT INTO tasks (project_id, title, state, priority, notes, estimate) VALUES
  (4, 'Write the compiler', 'OPEN', 'HIGH', NULL, 13),
  (1, 'Oil the gears', 'OPEN', 'LOW', 'weekly', DEFAULT);
INSERT INTO events (kind) VALUES ('v02');
INSERT INTO legacy_imports (source) VALUES ('json');
