const fs = require('fs');
const path = require('path');

const DATA_DIR = path.join(__dirname, '..', 'data');

function loadUser(id, cb) {
  fs.readFile(path.join(DATA_DIR, `${id}.json`), 'utf8', (err, text) => {
    if (err) return cb(err);
    cb(null, JSON.parse(text));
  });
}

function saveUser(user, cb) {
  fs.writeFile(path.join(DATA_DIR, `${user.id}.json`), JSON.stringify(user, null, 2), cb);
}

function listUsers(cb) {
  fs.readdir(DATA_DIR, (err, names) => {
    if (err) return cb(err);
    cb(null, names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)));
  });
}

module.exports = { loadUser, saveUser, listUsers };
