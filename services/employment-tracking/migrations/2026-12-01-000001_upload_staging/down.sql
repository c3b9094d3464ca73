DROP TABLE contribution_staging;
DROP TABLE contribution_uploads;
