// Placeholder of the console's bundle, until `npm run build` makes the real one.
const root = document.getElementById('root');
const p = document.createElement('p');
p.className = 'placeholder';
p.textContent = 'The Rollcall console has not been built yet: run `npm ci && npm run build` in web/console.';
root.replaceChildren(p);
