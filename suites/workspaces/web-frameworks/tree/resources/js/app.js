// Confirm before archiving a project.
document.addEventListener('submit', (event) => {
  if (event.target.matches('[data-confirm]') && !window.confirm(event.target.dataset.confirm)) {
    event.preventDefault();
  }
});
