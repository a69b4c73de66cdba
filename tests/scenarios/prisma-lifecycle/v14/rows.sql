INSERT INTO accounts (email, name) VALUES ('v14-alan@example.com', 'Alan Kay');
INSERT INTO projects (account_id, title, slug) VALUES (18, 'Smalltalk', 'smalltalk');
INSERT INTO work_items (project_id, title) VALUES (14, 'Messages');
INSERT INTO audit.events (kind) VALUES ('v14');
