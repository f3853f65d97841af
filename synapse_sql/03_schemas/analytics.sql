-- The analyst views: the only schema the data-analysts group and Power BI can read.
CREATE SCHEMA analytics;
