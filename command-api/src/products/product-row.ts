/** A products row as the catalog queries return it; numeric comes back from pg as text. */
export interface ProductRow {
  id: number;
  name: string;
  category: string;
  price: string;
  stock: number;
}

export function toProductPayload(row: ProductRow) {
  return { productId: row.id, name: row.name, category: row.category, price: Number(row.price), stock: row.stock };
}
