DELETE FROM restaurant_reviews WHERE id = 'rv-ghost';
