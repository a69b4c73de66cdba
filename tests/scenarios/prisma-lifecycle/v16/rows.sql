INSERT INTO accounts (email, name) VALUES ('v16-barbara@example.com', 'Barbara');
INSERT INTO projects (account_id, title, slug) VALUES (20, 'Big ids', 'big-ids');
INSERT INTO work_items (project_id, title) VALUES (16, 'Past two billion');
INSERT INTO work_items (id, project_id, title) VALUES (3000000000, 16, 'An id only bigint holds');
INSERT INTO audit.events (kind) VALUES ('v16');
