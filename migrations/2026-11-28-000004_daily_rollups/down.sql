DROP TABLE metrics_daily;
