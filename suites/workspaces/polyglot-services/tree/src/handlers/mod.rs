use actix_web::web;

pub mod orders;
pub mod users;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(users::create_user)
        .service(users::get_user)
        .service(users::delete_user)
        .service(orders::list_orders)
        .service(orders::export_orders);
}
