INSERT INTO accounts (email, name) VALUES ('v15-adele@example.com', 'Adele Goldberg');
INSERT INTO projects (account_id, title, slug) VALUES (19, 'Smalltalk-80', 'st80');
INSERT INTO work_items (project_id, title) VALUES (15, 'Blue book');
INSERT INTO audit.events (kind) VALUES ('v15');
