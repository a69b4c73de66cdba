INSERT INTO users (id, display_name, email, photo_url, city) VALUES ('u-v02', 'User v02', 'v02@example.com', 'https://example.com/p.png', NULL);
INSERT INTO restaurants (id, name, cuisine, open) VALUES ('r-v02', 'Place v02', 'french', false);
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating) VALUES ('rv-v02', 'r-v02', 'u-v02', 3);
INSERT INTO checkins (id, user_id, at) VALUES ('c-v02', 'u-v02', now());
INSERT INTO restaurants (id, name, cuisine) VALUES ('r-v02b', 'Open by default', 'italian');
INSERT INTO promotions (id, title) VALUES ('p-v02', 'Spring');
