-- name: quality/_page_materialised
-- The rows of quality/page_rows, fetched once as Arrow and registered as "quality_page"; stands in for {{rows}} in the Quality page's aggregations of one render.
-- input: quality_page
SELECT * FROM quality_page
