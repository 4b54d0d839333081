-- name: export/frame
-- Every row of a DataFrame a page already holds, registered as frame: the CSV of a table on screen.
-- input: frame
SELECT * FROM frame
