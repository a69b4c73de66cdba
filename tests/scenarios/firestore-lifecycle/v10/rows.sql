INSERT INTO users (id, display_name, email, city) VALUES ('u-v10', 'User v10', 'v10@example.com', 'Lyon'), ('u-v10b', 'No city', 'v10b@example.com', DEFAULT);
INSERT INTO restaurants (id, name, cuisine, city, price_level) VALUES ('r-v10', 'Place v10', 'french', 'Paris', NULL);
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating) VALUES ('rv-v10', 'r-v10', 'u-v10', 3);
INSERT INTO checkins (id, user_id, at) VALUES ('c-v10', 'u-v10', now());
INSERT INTO promotions (id, title) VALUES ('p-v10', 'Promo v10');
