INSERT INTO accounts (email, name, phone) VALUES
  ('ada@example.com', 'Ada Lovelace', '+44 20 7946 0000'),
  ('zoe@example.org', 'Zoë Ångström-Øberg', NULL),
  ('tokyo@example.jp', '東京チーム 🚀', '+81 3-1234-5678');
INSERT INTO projects (account_id, title, budget) VALUES
  (1, 'Analytical Engine', '00123'),
  (2, 'Café «Noël» — rénovation', NULL),
  (3, repeat('長', 60), '4500');
INSERT INTO tasks (project_id, title, state, priority, notes) VALUES
  (1, 'Design the mill', 'OPEN', 'LOW', NULL),
  (1, 'Punch the cards', 'IN_PROGRESS', 'HIGH', repeat('note ', 400)),
  (2, 'Order the tiles', 'WONTFIX', 'NORMAL', 'It''s "quoted" \ and back\slashed'),
  (3, '翻訳する', 'DONE', 'LOW', '');
INSERT INTO events (kind, detail) SELECT 'kind-' || (g % 7), jsonb_build_object('n', g) FROM generate_series(1, 5000) g;
INSERT INTO events (kind, detail) VALUES ('login', NULL), ('ünïcode', '{"emoji": "🎉"}');
INSERT INTO legacy_imports (source, raw) VALUES ('csv', 'a,b,c'), ('xml', NULL);
