INSERT INTO writers (name, email, handle) VALUES ('Tim', 'tim@example.com', 'timbl');
INSERT INTO posts (headline, author_id, subtitle) VALUES ('Required subtitles', 14, 'at last'), ('Default subtitle', 14, DEFAULT);
INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 16, 'news');
INSERT INTO newsletters (subject) VALUES ('Issue #11');
