INSERT INTO users (id, display_name, email) VALUES ('u-v03', 'User v03', 'v03@example.com');
INSERT INTO restaurants (id, name, cuisine, city) VALUES ('r-v03', 'Place v03', 'japanese', 'Kyōto');
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating) VALUES ('rv-v03', 'r-v03', 'u-v03', 3);
INSERT INTO checkins (id, user_id, at) VALUES ('c-v03', 'u-v03', now());
INSERT INTO restaurants (id, name, cuisine) VALUES ('r-v03b', 'No city yet', 'diner');
INSERT INTO promotions (id, title) VALUES ('p-v03', 'Summer');
