INSERT INTO authors (name, email, handle) VALUES ('Barbara', 'barbara@example.com', 'liskov');
INSERT INTO posts (title, author_id, word_count) VALUES ('Substitution', 7, '300');
INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 8, 'howto');
INSERT INTO newsletters (subject) VALUES ('Issue #4');
