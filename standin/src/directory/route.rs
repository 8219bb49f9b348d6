//! What every directory route does first: check the method and the caller's token, and
//! use up a fault rule the test configured. Kept apart from the directory's model (the
//! parent module), which the tenant configuration holds, so that the model does not
//! depend on the Graph handlers.

use crate::faults::Times;

use super::Directory;

/// Checks the method and the bearer token of a directory route: the caller's grant, or
/// Graph's answer refusing it.
pub(crate) fn authorize(
    call: &crate::wire::Call,
    method: hyper::Method,
) -> Result<crate::state::Grant, Box<hyper::Response<crate::wire::Body>>> {
    use crate::graph::{authenticate, error};
    if call.method != method {
        return Err(Box::new(error(
            call,
            405,
            "Request_BadRequest",
            &format!("The method {} is not allowed here.", call.method),
        )));
    }
    authenticate(call)
        .map_err(|message| Box::new(error(call, 401, "InvalidAuthenticationToken", message)))
}

/// Uses the first rule of `tenant_id`'s directory that `pick` finds (its index in the
/// list `rules` selects), counting it down and removing it when used up.
pub(crate) fn take_rule<R, T>(
    call: &crate::wire::Call,
    tenant_id: &str,
    rules: impl FnOnce(&mut Directory) -> &mut Vec<R>,
    pick: impl Fn(&R) -> bool,
    remaining: impl Fn(&mut R) -> (&mut Times, T),
) -> Option<T> {
    let mut taken = None;
    call.shared.update_config(|config| {
        let Some(tenant) = config.tenant_by_id_mut(tenant_id) else {
            return;
        };
        let rules = rules(&mut tenant.directory);
        if let Some(i) = rules.iter().position(pick) {
            let (times, value) = remaining(&mut rules[i]);
            taken = Some(value);
            if times.use_once() {
                rules.remove(i);
            }
        }
    });
    taken
}
