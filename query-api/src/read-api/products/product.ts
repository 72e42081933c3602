/** Read-model row and its contract shape (docs/contract.md: productId, name, category, price, stock). */
export interface ProductRow {
  product_id: number;
  name: string;
  category: string;
  price: string;
  stock: number;
}

export const toProduct = (row: ProductRow) => ({
  productId: row.product_id,
  name: row.name,
  category: row.category,
  price: Number(row.price),
  stock: row.stock,
});
