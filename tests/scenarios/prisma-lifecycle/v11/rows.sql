INSERT INTO accounts (email, name) VALUES ('v11-edsger@example.com', 'Edsger');
INSERT INTO accounts (email, name, locale) VALUES ('v11-tim@example.com', 'Tim', 'en-GB');
INSERT INTO projects (account_id, title, slug) VALUES (14, 'THE', 'the');
INSERT INTO work_items (project_id, title) VALUES (11, 'Semaphores');
INSERT INTO audit.events (kind) VALUES ('v11');
INSERT INTO legacy_imports (source) VALUES ('www');
