INSERT INTO users (id, display_name, email) VALUES ('u-v05', 'User v05', 'v05@example.com');
INSERT INTO restaurants (id, name, cuisine, city, price_level) VALUES ('r-v05', 'Place v05', 'indian', 'Paris', '03');
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating) VALUES ('rv-v05', 'r-v05', 'u-v05', 3);
INSERT INTO checkins (id, user_id, at) VALUES ('c-v05', 'u-v05', now());
INSERT INTO promotions (id, title) VALUES ('p-v05', 'Promo v05');
