//! The one shared handle on the running simulation. Components take a `SimHandle` prop and
//! re-render when its `version` changes (every tick or action bumps it); they only read the
//! sim through `borrow()` and never mutate it — actions go up through callbacks.

use std::cell::{Ref, RefCell, RefMut};
use std::rc::Rc;

use quorum_sim::Sim;

#[derive(Clone)]
pub struct SimHandle {
    inner: Inner,
    /// Bumped on every change; equality compares it, so Yew re-renders exactly then.
    pub version: u64,
}

impl PartialEq for SimHandle {
    fn eq(&self, other: &SimHandle) -> bool {
        same(&self.inner, &other.inner) && self.version == other.version
    }
}

impl SimHandle {
    pub fn new(sim: Sim) -> SimHandle {
        SimHandle {
            inner: Rc::new(RefCell::new(sim)).into(),
            version: 0,
        }
    }

    pub fn borrow(&self) -> Ref<'_, Sim> {
        self.inner.borrow()
    }

    /// For the owner of the drill (the ticker and the action dispatcher) only.
    pub fn borrow_mut(&self) -> RefMut<'_, Sim> {
        self.inner.borrow_mut()
    }

    /// The same sim, marked changed.
    pub fn bumped(&self) -> SimHandle {
        SimHandle {
            inner: self.inner.clone(),
            version: self.version + 1,
        }
    }
}

// The trainee's bundle holds the drill's own sim only. (Declared down here, and the code
// above written alike for both builds, so that the trainee's wasm is byte for byte what it
// was before team drills: the panics' source locations are in it.)
#[cfg(not(feature = "boards"))]
type Inner = Rc<RefCell<Sim>>;

#[cfg(not(feature = "boards"))]
fn same(a: &Inner, b: &Inner) -> bool {
    Rc::ptr_eq(a, b)
}

/// Whose sim it is (boards bundle): the drill's own, or a team drill's, which the room's
/// `lockstep::Follower` runs from the room's log and nothing else advances.
#[cfg(feature = "boards")]
#[derive(Clone)]
enum Inner {
    Own(Rc<RefCell<Sim>>),
    Follower(Rc<RefCell<quorum_proto::lockstep::Follower>>),
}

#[cfg(feature = "boards")]
fn same(a: &Inner, b: &Inner) -> bool {
    match (a, b) {
        (Inner::Own(a), Inner::Own(b)) => Rc::ptr_eq(a, b),
        (Inner::Follower(a), Inner::Follower(b)) => Rc::ptr_eq(a, b),
        _ => false,
    }
}

#[cfg(feature = "boards")]
impl From<Rc<RefCell<Sim>>> for Inner {
    fn from(sim: Rc<RefCell<Sim>>) -> Inner {
        Inner::Own(sim)
    }
}

#[cfg(feature = "boards")]
impl Inner {
    fn borrow(&self) -> Ref<'_, Sim> {
        match self {
            Inner::Own(sim) => sim.borrow(),
            Inner::Follower(f) => Ref::map(f.borrow(), |f| f.sim()),
        }
    }

    /// A team drill's sim has no owner here: only its follower runs it.
    fn borrow_mut(&self) -> RefMut<'_, Sim> {
        match self {
            Inner::Own(sim) => sim.borrow_mut(),
            Inner::Follower(_) => panic!("a team drill's sim is run by its lockstep follower"),
        }
    }
}

#[cfg(feature = "boards")]
impl SimHandle {
    /// A view of a team drill's sim, as its follower has run it; `version` names how far.
    pub fn following(
        follower: Rc<RefCell<quorum_proto::lockstep::Follower>>,
        version: u64,
    ) -> SimHandle {
        SimHandle {
            inner: Inner::Follower(follower),
            version,
        }
    }
}
