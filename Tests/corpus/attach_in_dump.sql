CREATE TABLE orders(customer_id TEXT, order_date TEXT, amount REAL);
INSERT INTO orders VALUES('A','2024-01-01',1);
ATTACH DATABASE 'attached-by-dump.db' AS e;
CREATE TABLE e.t(a);
