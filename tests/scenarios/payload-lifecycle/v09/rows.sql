INSERT INTO writers (name, email, handle) VALUES ('Donald', 'donald@example.com', 'dek');
INSERT INTO posts (headline, author_id, word_count) VALUES ('Counting words', 12, 1234.5);
INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 13, 'howto');
INSERT INTO newsletters (subject) VALUES ('Issue #9');
