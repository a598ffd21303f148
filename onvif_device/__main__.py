from onvif_device.cli import main

raise SystemExit(main())
