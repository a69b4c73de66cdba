INSERT INTO accounts (email, name, phone) VALUES ('v06-margaret@example.com', 'Margaret Hamilton', '+1 617 000 0000');
INSERT INTO projects (account_id, title, slug) VALUES (9, 'Apollo', 'apollo');
INSERT INTO work_items (project_id, title, state, priority) VALUES (6, 'Abort on overload', 'DROPPED', 'HIGH');
INSERT INTO audit.events (kind, detail) VALUES ('v06', '{"moved": true}');
INSERT INTO legacy_imports (source) VALUES ('dbf');
