import { expect, test } from '@playwright/test';

test('guest can reach the payment step', async ({ page }) => {
  await page.goto('/checkout');
  await page.getByLabel('Full name').fill('Ada Lovelace');
  await page.getByLabel('Street').fill('Main Street 1');
  await page.getByLabel('Postcode').fill('10115');
  await page.getByLabel('City').fill('Berlin');
  await page.getByRole('button', { name: 'Continue to payment' }).click();
  await expect(page.getByRole('heading', { name: 'Payment' })).toBeVisible();
});
