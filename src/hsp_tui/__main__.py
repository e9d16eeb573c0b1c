from hsp_tui.cli import main

raise SystemExit(main())
