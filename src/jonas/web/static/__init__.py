"""The page of ``jonas serve``: index.html, app.js and style.css."""
