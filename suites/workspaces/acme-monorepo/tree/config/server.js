const express = require('express');
const { listUsers } = require('../lib/userStore');

const app = express();
const PORT = 3000;

app.get('/users', (req, res, next) => {
  listUsers((err, ids) => (err ? next(err) : res.json(ids)));
});

app.listen(PORT, () => console.log(`listening on ${PORT}`));

module.exports = app;
