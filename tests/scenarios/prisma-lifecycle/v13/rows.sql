INSERT INTO accounts (email, name) VALUES ('v13-radia@example.com', 'Radia Perlman');
INSERT INTO projects (account_id, title, slug) VALUES (17, 'Spanning tree', 'stp');
INSERT INTO work_items (project_id, title) VALUES (13, 'Algorhyme');
INSERT INTO audit.events (kind) VALUES ('v13');
INSERT INTO legacy_imports (source) VALUES ('stp');
