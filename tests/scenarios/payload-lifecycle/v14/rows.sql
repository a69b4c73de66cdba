INSERT INTO writers (name, email, handle) VALUES ('Adele', 'adele@example.com', 'adele');
INSERT INTO posts (headline, author_id) VALUES ('Open again', 17);
INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 20, 'opinion');
