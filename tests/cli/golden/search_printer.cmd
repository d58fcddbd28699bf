search printer
