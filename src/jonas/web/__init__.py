"""``jonas serve``: the browser app (a Starlette application served by uvicorn, the web
extra). :mod:`.app` holds the page's routes and the JSON API, :mod:`.jobs` the queue of
runs, :mod:`.catalogue` what the page offers to choose and steer; the page itself is in
``static/`` and draws with plotly.js from the installed plotly package (no network)."""
