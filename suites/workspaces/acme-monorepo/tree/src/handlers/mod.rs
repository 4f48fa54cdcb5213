use actix_web::{get, web, HttpResponse, Responder};

#[get("/orders/{id}")]
pub async fn get_order(path: web::Path<u64>) -> impl Responder {
    let id = path.into_inner();
    HttpResponse::Ok().body(format!("order {id}"))
}
