/**
 * The shopping cart: a list in the session, and why changing it in place is not enough.
 *
 * The session notices `set`, `delete` and friends; it cannot notice a list changed in place
 * (Django's `request.session['cart'].append(item)`), so such a change is not saved unless
 * the view says so with `session.modified = true`.
 *
 * @module
 */

import type { Request, Response } from 'express';
import { messages, type Notice } from '../messages.ts';
import type { Page } from '../pages.ts';
import { render } from '../render.ts';

export const page: Page = {
  path: '/cart',
  title: 'Shopping cart',
  group: 'Sessions',
  summary: 'A list in the session: add, remove, clear, and the in-place trap.',
  views: ['viewCart', 'addToCart', 'removeFromCart', 'clearCart'],
  module: import.meta.url,
  templates: ['cart.njk'],
  mount(router) {
    router.get('/cart', viewCart);
    router.post('/cart/add', addToCart);
    router.post('/cart/remove', removeFromCart);
    router.post('/cart/clear', clearCart);
  },
};

type Data = { cart: string[] };

const PRODUCTS = ['apple', 'bread', 'cheese', 'coffee', 'lemon'];

async function viewCart(req: Request, res: Response) {
  const session = await req.session<Data>();
  const lost = String(req.query.lost);
  const notice: Notice | undefined = PRODUCTS.includes(lost)
    ? {
        level: 'warning',
        text: `Added ${lost} in place without set(): not saved, so it is gone.`,
      }
    : undefined;
  await render(req, res, 'cart.njk', {
    cart: session.get('cart', []),
    products: PRODUCTS,
    notice,
  });
}

async function addToCart(req: Request, res: Response) {
  const session = await req.session<Data>();
  const item = String(req.body.item);
  if (!PRODUCTS.includes(item)) return res.redirect('/cart');
  const cart = session.get('cart');

  if (req.body.how === 'set' || cart === undefined) {
    // A new list, stored with set: the session sees the change and saves it.
    session.set('cart', [...(cart ?? []), item]);
    await messages.success(req, `Added ${item} with set(): saved.`);
  } else if (req.body.how === 'modified') {
    // Changed in place, then flagged: saved too.
    cart.push(item);
    session.modified = true;
    await messages.success(
      req,
      `Added ${item} in place, then modified = true: saved.`,
    );
  } else {
    // Changed in place only: the session cannot see it, so nothing is saved.
    // The notice goes in the URL: a message lives in the session, and adding
    // one would save the session, this list with it.
    cart.push(item);
    return res.redirect(`/cart?lost=${item}`);
  }
  res.redirect('/cart');
}

async function removeFromCart(req: Request, res: Response) {
  const session = await req.session<Data>();
  const index = Number(req.body.index);
  const cart = session.get('cart', []);
  session.set(
    'cart',
    cart.filter((_, i) => i !== index),
  );
  res.redirect('/cart');
}

async function clearCart(req: Request, res: Response) {
  const session = await req.session<Data>();
  session.delete('cart');
  await messages.info(req, 'Cart cleared.');
  res.redirect('/cart');
}
