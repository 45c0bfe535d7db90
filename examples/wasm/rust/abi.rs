//! The guest side of jsorc's WebAssembly action ABI, version 1
//! (docs/wasm-abi.md).

use crate::json;

#[link(wasm_import_module = "jsorc")]
extern "C" {
    /// The host writes the action's name and the argument JSON here.
    fn input(action_ptr: *mut u8, args_ptr: *mut u8);
    /// The host copies the output (result or error) before returning.
    fn output(ptr: *const u8, len: usize);
}

/// Status codes jsorc_call returns.
const OK: i32 = 0;
const ARG_ERROR: i32 = 1;
const FAILED: i32 = 2;

/// An action's error: the caller's arguments (param set) or the action
/// itself.
pub struct Error {
    status: i32,
    param: Option<&'static str>,
    msg: String,
}

impl Error {
    /// An argument error: HTTP 422 from an action server.
    pub fn arg(param: &'static str, msg: &str) -> Error {
        Error { status: ARG_ERROR, param: Some(param), msg: msg.to_string() }
    }
    /// A failure of the action on good arguments: HTTP 500.
    pub fn failed(msg: &str) -> Error {
        Error { status: FAILED, param: None, msg: msg.to_string() }
    }
}

fn emit(s: &str) {
    unsafe { output(s.as_ptr(), s.len()) }
}

#[no_mangle]
pub extern "C" fn jsorc_abi_version() -> i32 {
    1
}

#[no_mangle]
pub extern "C" fn jsorc_spec() -> i32 {
    emit(crate::SPEC);
    OK
}

#[no_mangle]
pub extern "C" fn jsorc_call(action_len: i32, args_len: i32) -> i32 {
    let (al, bl) = (action_len as usize, args_len as usize);
    let mut buf = vec![0u8; al + bl + 1];
    let p = buf.as_mut_ptr();
    unsafe { input(p, p.add(al)) };
    let action = String::from_utf8_lossy(&buf[..al]).into_owned();
    let parsed = std::str::from_utf8(&buf[al..al + bl]).ok().and_then(json::parse);
    let result = match parsed {
        Some(args @ json::Value::Obj(_)) => crate::dispatch(&action, &args),
        _ => Err(Error { status: ARG_ERROR, param: None, msg: "the arguments are not a JSON object".to_string() }),
    };
    match result {
        Ok(out) => {
            emit(&out);
            OK
        }
        Err(e) => {
            let mut out = String::from("{\"msg\":");
            json::write_str(&mut out, &e.msg);
            if let Some(p) = e.param {
                out.push_str(",\"param\":");
                json::write_str(&mut out, p);
            }
            out.push('}');
            emit(&out);
            e.status
        }
    }
}
