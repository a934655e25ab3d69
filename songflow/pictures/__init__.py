"""The run's pictures: the timeline, the storyboard (contact sheet) and the HTML report, one module each."""
