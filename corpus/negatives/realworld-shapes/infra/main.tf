module "db" {
  manage_master_user_password            = !local.is_replica && var.manage_password ? true : null
  password_wo                            = try(each.value.password_wo, var.defaults.password_wo, null)
  master_user_password_rotation_schedule = "rate(30 days)"
  master_password_rotate_immediately     = try(each.value.rotate_immediately, true)
}
