INSERT INTO writers (name, email, handle) VALUES ('Alan', 'alan@example.com', 'kay');
INSERT INTO posts (headline, author_id) VALUES ('No more bios', 16);
INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 19, 'news');
