INSERT INTO users (id, display_name, email) VALUES ('u-v07', 'User v07', 'v07@example.com');
INSERT INTO restaurants (id, name, cuisine, city, price_level) VALUES ('r-v07', 'Place v07', 'french', 'Paris', '03');
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating) VALUES ('rv-v07', 'r-v07', 'u-v07', 3);
INSERT INTO checkins (id, user_id, at) VALUES ('c-v07', 'u-v07', now());
INSERT INTO promotions (id, title) VALUES ('p-v07', 'Promo v07');
