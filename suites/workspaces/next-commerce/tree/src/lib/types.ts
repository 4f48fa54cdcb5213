export interface Product {
  sku: string;
  name: string;
  price: number;
  imageUrl?: string;
  stock: number;
}

export interface CartItem {
  sku: string;
  name: string;
  price: number;
  quantity: number;
}
