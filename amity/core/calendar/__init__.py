"""The calendar: events of calls, meetings, tasks and project tasks in a date range, as
/calendar/events rows and as an iCalendar feed a calendar app subscribes to."""
