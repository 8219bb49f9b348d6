//! certtool reads the real files in ../shared/vectors (Windows and other tools' exports).
//! They are read in place; where the directory is absent the tests say so and pass.

use crate::support::*;

#[test]
fn inspect_and_export_every_real_pkcs12_vector() {
    let Some(dir) = vectors() else { return };
    for (file, password) in REAL_PKCS12 {
        let path = dir.join("pkcs12").join(file);
        let path = path.to_str().unwrap();
        let env = [("PW", password)];
        let run = certtool_with(
            &["inspect", path, "--output", "json", "--password-env", "PW"],
            &env,
            None,
        );
        run.assert_code(EXIT_OK);
        let json = run.json();
        assert_eq!(json["format"], "pfx", "{file}");
        assert_eq!(json["has_private_key"], true, "{file}");
        let leaf = &json["certificates"][json["leaf_index"].as_u64().unwrap() as usize];
        assert_eq!(leaf["private_key"]["matches"], true, "{file}");
        // The thumbprint agrees with openssl's own reading of the file (-legacy for RC2).
        let certs = openssl(&[
            "pkcs12",
            "-legacy",
            "-in",
            path,
            "-passin",
            &format!("pass:{password}"),
            "-nokeys",
            "-clcerts",
        ]);
        let der = openssl_with(&["x509", "-outform", "der"], Some(&certs));
        let fp = openssl_with(&["dgst", "-sha1", "-r"], Some(&der));
        let fp = String::from_utf8(fp).unwrap();
        let fp = fp.split_whitespace().next().unwrap().to_uppercase();
        assert_eq!(leaf["thumbprint_sha1"], fp, "{file}");
        let exported = certtool_with(
            &[
                "export",
                path,
                "--format",
                "thumbprint",
                "--password-env",
                "PW",
            ],
            &env,
            None,
        );
        exported.assert_code(EXIT_OK);
        assert_eq!(exported.stdout_text().trim(), fp, "{file}");
    }
}
