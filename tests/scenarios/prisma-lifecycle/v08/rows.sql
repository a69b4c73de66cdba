INSERT INTO accounts (email, name) VALUES ('v08-dennis@example.com', 'Dennis');
INSERT INTO projects (account_id, title, slug, budget) VALUES (11, repeat('x', 60), 'sixty', '60');
INSERT INTO work_items (project_id, title, priority) VALUES (8, 'Only two priorities now', 'HIGH');
INSERT INTO audit.events (kind) VALUES ('v08');
INSERT INTO legacy_imports (source) VALUES ('sav');
